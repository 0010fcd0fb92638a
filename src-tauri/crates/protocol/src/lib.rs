//! Wire types of the marketplace sync protocol (`/v1`).
//!
//! One definition shared by the desktop client (comptoir-core) and the reference
//! server (comptoir-marketplace), so that both sides agree on every field name.
