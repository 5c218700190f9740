from . import consolidation, dunning
