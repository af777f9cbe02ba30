-- A study's design: how its verdicts are judged. A study settled in rounds (seeds added until
-- its claims are decided, `lab sweep --settle`) looks at its findings after every round, so its
-- intervals are widened to a group-sequential boundary (Pocock's, for the planned number of
-- looks) that keeps the chance of a false "reproduced" at 2.5 % over all looks together.
-- NULL: a study of a fixed number of seeds, judged with 95 % intervals.
ALTER TABLE studies ADD COLUMN design_json TEXT CHECK (design_json IS NULL OR json_valid(design_json));
