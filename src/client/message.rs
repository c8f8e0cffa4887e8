//! placeholder, being written
pub struct Message;
