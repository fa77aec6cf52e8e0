import VetCore
