"""Data that is not the request path's: the demo's accounts and round, the BMS7 fixture's
builder, and the synthetic negotiations the benchmarks generate."""
