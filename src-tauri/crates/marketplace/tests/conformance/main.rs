//! Conformance suite of the reference server, over real HTTP.
