//! Stage 3, the decision: a request's head in, what to do with it out, no I/O. Everything that
//! answers, explains or logs a request reads what [`decide`](decide::decide) returned.

pub(crate) mod decide;
pub(crate) mod grant;
pub(crate) mod head;
pub(crate) mod reason;
pub(crate) mod same_origin;
pub(crate) mod upgrade;
