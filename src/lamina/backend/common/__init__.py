"""Engine-free parts of the backend: dtypes, the Variable base, symbolic tensors, scopes."""
