//! mpos-keygen: generate mposUi secret keys from a terminal.
fn main() {}
