from . import rma_unex_sla_report
from . import rma_unex_unit_report
from . import rma_unex_return_rate_report
from . import rma_unex_state_duration_report
from . import rma_unex_register_xlsx
