"""The Lightning side: the LightningModule, the DataModule's Trainer, callbacks, checkpoints, speed modes."""
