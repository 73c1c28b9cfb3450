//! Base images read from an OCI registry (`--images registry`): the
//! distribution API. Being written (issue 17).
