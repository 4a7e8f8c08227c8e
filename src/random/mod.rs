//! Random numbers: streams keyed by (seed, trial, entity, purpose) and the exact samplers the
//! engine draws with. Nothing here knows a scenario; the model and the loader build on it.

pub mod copula;
pub mod dist;
pub mod inverse;
pub mod metalog;
pub mod qmc;
pub mod sampling;
pub mod streams;
