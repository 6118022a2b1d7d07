-- One instance sends at a time: the holder of this row's lease. Gateways' rates are per process
-- (a token bucket in memory), so two dispatchers would send at twice a gateway's rate; the lease
-- keeps the rate whole across instances, and another instance takes over within seconds when the
-- holder stops renewing it.
CREATE TABLE dispatch_lease (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
