//! Fast placement index (to come).
