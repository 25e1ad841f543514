"""Stage 2, parse: one reader per publication layout, mapping columns by header."""
