"""Government financing guarantee agencies (政府性融资担保机构).

The blueprint lives in `views` (not here) so that the engine's side (`routing`, `agreements`),
which matching and routing import, loads without pulling in the pages.
"""
