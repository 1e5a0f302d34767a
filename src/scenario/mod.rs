//! Scenarios: the planning brief (services, standards, targets, tiers, costs) and, later,
//! the transforms and sweeps built on it.

pub mod config;

pub use config::{
    Assign, Decisions, Demand, Hierarchy, Level, Measure, Mobile, Objective, Scenario, Service,
    Supply, TEMPLATE, Target, TierSpec,
};
