from . import rma_unex_unit_reject_wizard
from . import rma_unex_charge_agreement_wizard
from . import rma_unex_case_suspend_wizard
from . import rma_unex_unit_cid_wizard
from . import rma_unex_unit_fa_wizard
from . import rma_unex_unit_decision_wizard
from . import rma_unex_unit_qc_wizard
from . import rma_unex_quality_wizards
