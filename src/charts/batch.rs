//! Charts of batches: metrics against a varied parameter, and the tornado.
