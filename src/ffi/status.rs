#[repr(C)] pub enum natsStatus { NATS_OK = 0 } #[repr(C)] pub enum natsConnStatus { NATS_CONN_STATUS_DISCONNECTED = 0 }
