"""Printed documents and exports: PDFs on reportlab, workbooks on xlsxwriter (imported lazily)."""
