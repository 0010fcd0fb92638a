//! Conformance suite of the reference server, over real HTTP on an ephemeral
//! loopback port. One binary (modules below) to keep link time low.
//! No timing asserts: speed is the `bench` command's business.

mod auth;
mod catalog;
mod cli;
mod events;
mod idempotency;
mod media;
mod openapi;
mod openapi_fuzz;
mod orders;
mod promotions;
mod ratelimit;
mod stock;
mod support;
mod vocabulary;
