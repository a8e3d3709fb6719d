"""nn: modules, layers, losses, initializers, optimizers and data loading on autograd_mini."""

from . import data as data  # data
from . import datasets as datasets  # data
from . import functional as functional  # nn-1
from . import init as init  # nn-1
from . import optim as optim  # nn-2
from . import utils as utils  # nn-2
from .activation import *  # noqa: F403  (nn-1)
from .containers import *  # noqa: F403  (nn-1)
from .conv import *  # noqa: F403  (nn-1)
from .dropout import *  # noqa: F403  (nn-1)
from .embedding import *  # noqa: F403  (nn-1)
from .linear import *  # noqa: F403  (nn-1)
from .loss_modules import *  # noqa: F403  (nn-2)
from .module import *  # noqa: F403  (nn-1: Module, Parameter, count_parameters)
from .normalization import *  # noqa: F403  (nn-1)
from .pooling import *  # noqa: F403  (nn-1)
from .residual import *  # noqa: F403  (nn-1)
from .serialization import *  # noqa: F403  (nn-2: save, load, load_metadata, SafetensorsError)
