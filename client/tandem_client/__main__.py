import sys

from tandem_client.cli import main

sys.exit(main())
