from . import helpdesk
from . import portal
from . import rma_portal
from . import sale_stock_portal
from . import support_request
from . import support_request_completion
from . import device_recognition
from . import application_form
