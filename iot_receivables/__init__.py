from . import core, models, wizards
