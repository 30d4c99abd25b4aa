//! `crm-server`: parse the command line and hand over to the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    crm_server::cli::run(crm_server::cli::Cli::parse())
}
