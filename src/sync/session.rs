//! The signed-in session: which server, the bearer token and who we are. Kept in the
//! store's meta so a reload stays signed in.

use crm_core::wire::UserInfo;
use serde::{Deserialize, Serialize};

/// What sign-in returned, plus the server it was for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub server: String,
    pub token: String,
    pub user: UserInfo,
}
