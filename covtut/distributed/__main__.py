"""``torchrun --standalone --nproc_per_node=2 -m covtut.distributed --out run.json``."""

from covtut.tasks.aus_retail.parallel import main

if __name__ == "__main__":
    main()
