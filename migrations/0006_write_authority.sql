-- Ids are never reused. SQLite gives a new row max(id) + 1, so deleting the newest run (or study)
-- handed its id to the next one: a trainer still writing under the old id wrote into the new run.
-- Every insert takes max_id + 1 from here instead; the triggers keep max_id at the largest id ever
-- inserted, whoever inserted it (a run, an import, an older NormLab writing this archive).
CREATE TABLE id_high_water (
  name   TEXT    PRIMARY KEY CHECK (name IN ('runs', 'studies')),
  max_id INTEGER NOT NULL
);
INSERT INTO id_high_water (name, max_id) SELECT 'runs', coalesce(max(id), 0) FROM runs;
INSERT INTO id_high_water (name, max_id) SELECT 'studies', coalesce(max(id), 0) FROM studies;
CREATE TRIGGER runs_id_high_water AFTER INSERT ON runs BEGIN
  UPDATE id_high_water SET max_id = max(max_id, NEW.id) WHERE name = 'runs';
END;
CREATE TRIGGER studies_id_high_water AFTER INSERT ON studies BEGIN
  UPDATE id_high_water SET max_id = max(max_id, NEW.id) WHERE name = 'studies';
END;
