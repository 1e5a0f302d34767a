//! Scenarios: the planning brief (services, standards, targets, tiers, costs), the what-if
//! transforms applied to it, and sweeps of many scenarios.

pub mod config;
pub mod transform;

pub use config::{
    Assign, Clock, ClockSpec, Decisions, Demand, Hierarchy, Level, Measure, Mobile, Objective,
    Scenario, Service, SiteCount, Supply, TEMPLATE, Target, TierCount, TierSpec, Units,
};
