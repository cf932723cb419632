from bot.cli import main

if __name__ == "__main__":  # not when a job's process (bot.kernel.offload) imports it
    raise SystemExit(main())
