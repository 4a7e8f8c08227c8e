//! Batches of variants: sweeps, sensitivity, goal seek.
