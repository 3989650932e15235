-- 0005_metrics: the metrics read finds records resolved in a window without
-- walking every record ever opened.
CREATE INDEX incidents_resolved ON incidents (resolved_at) WHERE resolved_at IS NOT NULL;
