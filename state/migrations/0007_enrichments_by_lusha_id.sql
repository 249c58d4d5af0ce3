-- ForgetPerson finds every identity whose cached answer is one Lusha person.
CREATE INDEX enrichments_by_lusha_id ON enrichments (lusha_id) WHERE lusha_id <> '';
