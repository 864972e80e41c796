"""Checking: the pipeline that turns documents into findings under one run policy.

``pipeline`` takes a file or document through the schemas (``schemas``), the
rules (``lco_validate.rules``) and the portal's model, with what each request
needs in its ``context``; ``policy`` holds every setting's default and applies
select, ignore and severity to what the pipeline finds; ``config`` reads
``[tool.lco-validate]``; ``codes`` documents every finding code; ``summary``
counts a run.
"""
