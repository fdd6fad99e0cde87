"""Claim history analysis: synthetic history (:mod:`.synth`), provider profiles
(:mod:`.profiles`), peer comparison and risk reasons (:mod:`.peers`), reports
(:mod:`.report`, :mod:`.review`) and the 835 denial check (:mod:`.denials`)."""
