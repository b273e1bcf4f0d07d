"""The parameter declarations: one typed field per mechanism with its default, unit, allowed
range and source (:func:`gtmsim.model.parameters.base.param`). Scenario files only override
them. These modules import neither Mesa nor scipy, so reading a scenario's schema (validation,
the reference, the report) is cheap."""
