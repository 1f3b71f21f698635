from . import helpdesk
from . import portal
from . import rma_portal
from . import sale_stock_portal
