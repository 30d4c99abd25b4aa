//! Entry point of the segmentation Web Worker (built by trunk as `segment_worker`).

fn main() {
    console_error_panic_hook::set_once();
    crm_app::segments::worker::start();
}
