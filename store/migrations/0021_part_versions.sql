-- 0021: a change counter for each part of the store that changes seldom
-- but that every console shows and read again after every commit: the
-- knowledge pane, the calendar, the war room banner and the certificates
-- behind the expiry banner. Under a flood of alerts nearly every commit
-- leaves them alone; a reader that shares answers between commits
-- (ui.Shared) keeps the answers of a part whose counter did not move,
-- rather than read them again. Each counter covers every table its reads
-- read (ui.Shared names the reads of each part; storetest's PartVersions
-- holds the two together).

INSERT INTO counters (name, value) VALUES
    ('knowledge_changed', 0), ('calendar_changed', 0), ('war_rooms_changed', 0), ('certificates_changed', 0);

-- Knowledge: articles (the pane, the training figures), the incidents
-- each was used on (its "uses"), who read which version and the roster.
CREATE TRIGGER versions_articles_insert AFTER INSERT ON articles BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'knowledge_changed';
END;
CREATE TRIGGER versions_articles_update AFTER UPDATE ON articles BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'knowledge_changed';
END;
CREATE TRIGGER versions_articles_delete AFTER DELETE ON articles BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'knowledge_changed';
END;
CREATE TRIGGER versions_incident_links_insert AFTER INSERT ON incident_links WHEN new.kind = 'article' BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'knowledge_changed';
END;
CREATE TRIGGER versions_incident_links_update AFTER UPDATE ON incident_links
WHEN old.kind = 'article' OR new.kind = 'article' BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'knowledge_changed';
END;
CREATE TRIGGER versions_incident_links_delete AFTER DELETE ON incident_links WHEN old.kind = 'article' BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'knowledge_changed';
END;
CREATE TRIGGER versions_article_reads_insert AFTER INSERT ON article_reads BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'knowledge_changed';
END;
CREATE TRIGGER versions_article_reads_update AFTER UPDATE ON article_reads BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'knowledge_changed';
END;
CREATE TRIGGER versions_article_reads_delete AFTER DELETE ON article_reads BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'knowledge_changed';
END;
-- An operator's last_seen moves with every sign-in and is not read here.
CREATE TRIGGER versions_operators_insert AFTER INSERT ON operators BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'knowledge_changed';
END;
CREATE TRIGGER versions_operators_update AFTER UPDATE OF name, role ON operators BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'knowledge_changed';
END;
CREATE TRIGGER versions_operators_delete AFTER DELETE ON operators BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'knowledge_changed';
END;

-- The calendar: changes, deploys and job runs.
CREATE TRIGGER versions_changes_insert AFTER INSERT ON changes BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'calendar_changed';
END;
CREATE TRIGGER versions_changes_update AFTER UPDATE ON changes BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'calendar_changed';
END;
CREATE TRIGGER versions_changes_delete AFTER DELETE ON changes BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'calendar_changed';
END;
CREATE TRIGGER versions_deploys_insert AFTER INSERT ON deploys BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'calendar_changed';
END;
CREATE TRIGGER versions_deploys_update AFTER UPDATE ON deploys BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'calendar_changed';
END;
CREATE TRIGGER versions_deploys_delete AFTER DELETE ON deploys BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'calendar_changed';
END;
CREATE TRIGGER versions_job_runs_insert AFTER INSERT ON job_runs BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'calendar_changed';
END;
CREATE TRIGGER versions_job_runs_update AFTER UPDATE ON job_runs BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'calendar_changed';
END;
CREATE TRIGGER versions_job_runs_delete AFTER DELETE ON job_runs BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'calendar_changed';
END;

-- War rooms, and the updates of the incidents that have one. A new
-- incident has none yet, and one that has cannot be deleted (the war
-- room's foreign key): its war room goes first, and that is counted.
CREATE TRIGGER versions_war_rooms_insert AFTER INSERT ON war_rooms BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'war_rooms_changed';
END;
CREATE TRIGGER versions_war_rooms_update AFTER UPDATE ON war_rooms BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'war_rooms_changed';
END;
CREATE TRIGGER versions_war_rooms_delete AFTER DELETE ON war_rooms BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'war_rooms_changed';
END;
CREATE TRIGGER versions_incidents_update AFTER UPDATE ON incidents
WHEN EXISTS (SELECT 1 FROM war_rooms WHERE incident_id = new.id) BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'war_rooms_changed';
END;

CREATE TRIGGER versions_certificates_insert AFTER INSERT ON certificates BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'certificates_changed';
END;
CREATE TRIGGER versions_certificates_update AFTER UPDATE ON certificates BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'certificates_changed';
END;
CREATE TRIGGER versions_certificates_delete AFTER DELETE ON certificates BEGIN
    UPDATE counters SET value = value + 1 WHERE name = 'certificates_changed';
END;
