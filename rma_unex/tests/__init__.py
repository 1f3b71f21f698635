from . import test_mac_address
from . import test_tsr
from . import test_case_lifecycle
from . import test_access
from . import test_views
from . import test_http_rpc
from . import test_warranty
from . import test_logistics
