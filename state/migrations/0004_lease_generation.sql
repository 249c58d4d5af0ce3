-- Fencing: every change of a lease's holder gives it the next generation, and a
-- commit that carries an older generation (a holder that stalled past its expiry
-- while another took over) is refused inside its own transaction. Releasing a
-- lease keeps its row (owner '', expires_at 0) so that generations never repeat.
ALTER TABLE leases ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
