//! The integration tests, one binary: each test binary is a long link of the whole library, so
//! the end-to-end tests are modules of this one crate. The annotation reader (a
//! module of the binary) and the accuracy harness (shared with the examples) are included from
//! their files; the harness's own unit tests run here.
//!
//! Real-photo tests read `IDPHOTO_TESTDATA` (default `../shared/data`): without it they are
//! skipped, or fail under `CI=true`.

#[allow(dead_code)]
#[path = "../src/annotations.rs"]
mod annotations;
#[path = "../examples/common/harness.rs"]
mod harness;
mod util;

mod annotate;
mod batch;
mod cli;
mod correct;
mod face;
mod output;
mod quality;
mod real_photos;
mod serve;
mod sheet;
