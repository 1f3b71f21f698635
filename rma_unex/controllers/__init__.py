from . import portal
from . import rma_portal
