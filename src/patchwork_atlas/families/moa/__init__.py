"""The MOA family: ICE's 287(g) memoranda of agreement, read from the PDFs ICE links from its lists.

A pure reader (no database, no web): ``text`` gets each page's text (the PDF's own text layer, or
Tesseract OCR for scanned pages, cached per page), ``extract`` finds the facts with the page and
text span each came from, and ``compare`` sets each MOA against the standard text of its template.
Accuracy first: a value not found in the text is None, never guessed.
"""
