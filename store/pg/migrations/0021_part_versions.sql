-- 0021: a change counter for each part of the store that changes seldom
-- but that every console shows, as on SQLite: ui.Shared keeps the answers
-- of a part whose counter did not move since the last commit.

INSERT INTO counters (name, value) VALUES
    ('knowledge_changed', 0), ('calendar_changed', 0), ('war_rooms_changed', 0), ('certificates_changed', 0);

-- One function counts for every table of the parts: its argument names
-- the counter.
CREATE FUNCTION part_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO counter_deltas VALUES (TG_ARGV[0], 1);
    RETURN NULL;
END $$;

-- Knowledge: articles, the incidents each was used on, who read which
-- version, and the roster (an operator's last_seen is not read here).
CREATE TRIGGER versions_articles AFTER INSERT OR UPDATE OR DELETE ON articles
    FOR EACH ROW EXECUTE FUNCTION part_changed('knowledge_changed');
CREATE TRIGGER versions_incident_links_insert AFTER INSERT ON incident_links
    FOR EACH ROW WHEN (NEW.kind = 'article') EXECUTE FUNCTION part_changed('knowledge_changed');
CREATE TRIGGER versions_incident_links_update AFTER UPDATE ON incident_links
    FOR EACH ROW WHEN (OLD.kind = 'article' OR NEW.kind = 'article') EXECUTE FUNCTION part_changed('knowledge_changed');
CREATE TRIGGER versions_incident_links_delete AFTER DELETE ON incident_links
    FOR EACH ROW WHEN (OLD.kind = 'article') EXECUTE FUNCTION part_changed('knowledge_changed');
CREATE TRIGGER versions_article_reads AFTER INSERT OR UPDATE OR DELETE ON article_reads
    FOR EACH ROW EXECUTE FUNCTION part_changed('knowledge_changed');
CREATE TRIGGER versions_operators AFTER INSERT OR DELETE OR UPDATE OF name, role ON operators
    FOR EACH ROW EXECUTE FUNCTION part_changed('knowledge_changed');

-- The calendar: changes, deploys and job runs.
CREATE TRIGGER versions_changes AFTER INSERT OR UPDATE OR DELETE ON changes
    FOR EACH ROW EXECUTE FUNCTION part_changed('calendar_changed');
CREATE TRIGGER versions_deploys AFTER INSERT OR UPDATE OR DELETE ON deploys
    FOR EACH ROW EXECUTE FUNCTION part_changed('calendar_changed');
CREATE TRIGGER versions_job_runs AFTER INSERT OR UPDATE OR DELETE ON job_runs
    FOR EACH ROW EXECUTE FUNCTION part_changed('calendar_changed');

-- War rooms, and the updates of the incidents that have one (a trigger's
-- WHEN cannot read another table, so the function looks). A new incident
-- has none yet, and one that has cannot be deleted (the war room's
-- foreign key): its war room goes first, and that is counted.
CREATE TRIGGER versions_war_rooms AFTER INSERT OR UPDATE OR DELETE ON war_rooms
    FOR EACH ROW EXECUTE FUNCTION part_changed('war_rooms_changed');
CREATE FUNCTION war_room_incident_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM war_rooms WHERE incident_id = NEW.id) THEN
        INSERT INTO counter_deltas VALUES ('war_rooms_changed', 1);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER versions_incidents AFTER UPDATE ON incidents
    FOR EACH ROW EXECUTE FUNCTION war_room_incident_changed();

CREATE TRIGGER versions_certificates AFTER INSERT OR UPDATE OR DELETE ON certificates
    FOR EACH ROW EXECUTE FUNCTION part_changed('certificates_changed');
