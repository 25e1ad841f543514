-- 0013: Spanish titles (issue 17). `title` / `caption` stay the official name as printed; the
-- Spanish title is a plain translation of the descriptive part, shown beside the official name
-- on Spanish pages. NULL = no Spanish title yet (`patchwork knowledge check` reports it).
ALTER TABLE knowledge_entries ADD COLUMN title_es TEXT;
ALTER TABLE knowledge_cases ADD COLUMN caption_es TEXT;
