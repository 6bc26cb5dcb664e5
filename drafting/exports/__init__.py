"""Files out: PDFs (WeasyPrint) and their fonts, Word (.docx, tracked changes) and Akoma Ntoso
XML, and a meeting's backup (JSON, out and in). The JSON export of a revision is in
`drafting.services.exports`, with the export jobs."""
