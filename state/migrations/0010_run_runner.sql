-- Who ran each run: the replica (lease owner) that started it, so that N replicas
-- sharing one state can tell their runs apart. '' for runs from before.
ALTER TABLE runs ADD COLUMN runner TEXT NOT NULL DEFAULT '';
