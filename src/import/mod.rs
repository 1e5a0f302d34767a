//! Data from other formats laid onto a data set: ferry timetables from GTFS feeds.

pub mod gtfs;
