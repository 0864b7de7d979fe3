"""kpi_ingest"""
