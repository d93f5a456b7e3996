"""Real networks written as specs: torchvision's parameter counts, exactly, and no false alarms.

Every finding archlint makes on these networks is listed here, so a new false positive (or a
lost true finding) fails the suite. Each is one we would defend to the network's authors.
"""

import pytest

import archlint
from conftest import SAMPLES

NETWORKS = SAMPLES / "networks"

# torchvision.models.*: sum(p.numel() for p in model.parameters())
TORCHVISION_PARAMS = {
    "alexnet": 61_100_840,
    "vgg16": 138_357_544,
    "resnet18": 11_689_512,
    "resnet50": 25_557_032,
    "mobilenet_v2": 3_504_872,
    "squeezenet1_0": 1_248_424,
    "densenet121": 7_978_856,
    "googlenet": 6_624_904,  # without the auxiliary classifiers
    "shufflenet_v2_x1_0": 2_278_604,
    "convnext_tiny": 28_589_128,
    "efficientnet_b0": 5_288_548,
    "mobilenet_v3_large": 5_483_032,
}

# torchvision's published "GFLOPS" (weights.meta["_ops"], multiply-accumulates of convolutions
# and linear layers), for the samples whose figures tests/test_cost.py does not pin
TORCHVISION_GMACS = {
    "densenet121": 2.834,
    "googlenet": 1.498,
    "shufflenet_v2_x1_0": 0.145,
    "convnext_tiny": 4.456,
    "efficientnet_b0": 0.386,
    "mobilenet_v3_large": 0.217,
}

EXPECTED_FINDINGS = {
    "lenet5": [],
    "unet_small": [],
    "mobilenet_v2": [],
    # the 1×1 stride-2 projection shortcuts read one pixel in four (what ResNet-D fixes)
    "resnet18": [("stride-exceeds-kernel", f"layer{n}.0.downsample.0") for n in (2, 3, 4)],
    "resnet50": [("stride-exceeds-kernel", f"layer{n}.0.downsample.0") for n in (2, 3, 4)],
    # 7×7 stride 2 without padding on 224: the last row and column are never read
    "squeezenet1_0": [("non-integer-output", "features.0")],
    "alexnet": [("fc-parameter-dominance", "classifier.1")],
    "vgg16": [("fc-parameter-dominance", "classifier.0")],
    # every window fits (GoogLeNet's ceil_mode pools end in a partial window, reading it all),
    # no bias before a batch norm, no classifier dominates: nothing to say
    "densenet121": [],
    "googlenet": [],
    "shufflenet_v2_x1_0": [],
    "convnext_tiny": [],
    "efficientnet_b0": [],
    "mobilenet_v3_large": [],
}


@pytest.mark.parametrize("name,expected", TORCHVISION_PARAMS.items())
def test_parameter_counts_equal_torchvision(name, expected):
    assert archlint.check(NETWORKS / f"{name}.toml").analysis.total_params == expected


@pytest.mark.parametrize("name,gmacs", TORCHVISION_GMACS.items())
def test_macs_match_torchvision_within_one_percent(name, gmacs):
    analysis = archlint.check(NETWORKS / f"{name}.toml").analysis
    assert analysis.total_macs / 1e9 == pytest.approx(gmacs, rel=0.01)


def test_lenet5_parameters():
    assert archlint.check(NETWORKS / "lenet5.toml").analysis.total_params == 61_706


@pytest.mark.parametrize("name,expected", EXPECTED_FINDINGS.items())
def test_findings_on_real_networks_are_exactly_these(name, expected):
    result = archlint.check(NETWORKS / f"{name}.toml")
    assert [(d.rule, d.layer) for d in result.diagnostics] == expected


def test_every_network_sample_is_covered():
    assert {p.stem for p in NETWORKS.glob("*.toml")} == set(EXPECTED_FINDINGS)


@pytest.mark.parametrize(
    "name,layer,shape",
    [
        ("resnet18", "maxpool", (64, 56, 56)),
        ("resnet18", "layer4.1.relu2", (512, 7, 7)),
        ("resnet50", "layer4.2.relu3", (2048, 7, 7)),
        ("vgg16", "features.30", (512, 7, 7)),
        ("alexnet", "features.12", (256, 6, 6)),
        ("mobilenet_v2", "features.18.2", (1280, 7, 7)),
        ("squeezenet1_0", "features.2", (96, 54, 54)),
        ("lenet5", "fc3", (10,)),
        ("unet_small", "head", (2, 64, 64)),
        # PyTorch's forward hooks on torchvision's modules (batch axis dropped)
        ("densenet121", "features.denseblock1.denselayer1.cat", (64, 56, 56)),  # cat([x], 1)
        ("densenet121", "features.denseblock3.cat", (1024, 14, 14)),
        ("densenet121", "features.norm5", (1024, 7, 7)),
        ("googlenet", "maxpool1", (64, 56, 56)),  # ceil_mode: 55.5 -> 56
        ("googlenet", "maxpool3", (480, 14, 14)),
        ("googlenet", "inception5b.cat", (1024, 7, 7)),
        ("shufflenet_v2_x1_0", "stage2.1.x2", (58, 28, 28)),
        ("shufflenet_v2_x1_0", "stage4.3.channel_shuffle", (464, 7, 7)),
        ("shufflenet_v2_x1_0", "conv5.2", (1024, 7, 7)),
        ("convnext_tiny", "features.1.0.block.2", (56, 56, 96)),  # channels-last LayerNorm
        ("convnext_tiny", "features.7.2.add", (768, 7, 7)),
        ("convnext_tiny", "classifier.2", (1000,)),
        ("efficientnet_b0", "features.2.1.block.2.fc1", (6, 1, 1)),
        ("efficientnet_b0", "features.2.1.block.2.mul", (144, 56, 56)),
        ("efficientnet_b0", "features.8.2", (1280, 7, 7)),
        ("mobilenet_v3_large", "features.4.block.2.scale_activation", (72, 1, 1)),
        ("mobilenet_v3_large", "features.16.2", (960, 7, 7)),
    ],
)
def test_known_activation_shapes(name, layer, shape):
    assert archlint.check(NETWORKS / f"{name}.toml").analysis.layers[layer].output == shape
