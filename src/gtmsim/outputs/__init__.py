"""Files and pictures made from saved tables: results folders, terminal tables, figures and
the report. Never imports the runner or GrowthModel: redrawing a results folder needs no Mesa."""
