//! Data that is not anyone's doing: the demo cast (`serve --demo`) and the benchmark's bulk load
//! (`dealnest seed`). Neither is a use case of the product; the demo goes through the use cases,
//! the bulk load writes rows directly.

pub mod bench;
pub mod demo;

pub use bench::{SeedError, SeedPlan, Seeded, load};
